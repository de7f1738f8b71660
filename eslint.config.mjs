// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test/hapi/', 'src/http/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The FLS pages (docs/pages.md): plain ES modules in the browser, Chart.js as a global.
    files: ['public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        window: 'readonly',
        location: 'readonly',
        history: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
        Node: 'readonly',
        Chart: 'readonly',
      },
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // The clinical layers never speak HTTP: Express stays in src/http.
    files: [
      'src/patient/**/*.ts',
      'src/guideline/**/*.ts',
      'src/cards/**/*.ts',
      'src/fhir/**/*.ts',
      'src/cds/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'express', message: 'Only src/http may import express.' }] },
      ],
    },
  },
  {
    // Code that runs for every resource of a request: on Node 20's V8 an object literal
    // that opens with a spread and goes on with properties costs 1–4 µs instead of
    // ~25 ns (docs/benchmark.md "Node 20's object spreads, and the hook call halved").
    files: ['src/patient/**/*.ts', 'src/fhir/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > SpreadElement:first-child ~ Property',
          message:
            'Per-resource code: copy with { ...x } and assign, or list the fields (Node 20 is ~100× slower on { ...x, key }).',
        },
      ],
    },
  },
);
