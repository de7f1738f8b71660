/**
 * Jest transform for PGlite's CommonJS build, which loads Node built-ins with
 * `import("fs/promises")` etc. Jest's sandbox cannot run a dynamic import without
 * --experimental-vm-modules, so those calls become `require` (the built-ins are
 * CommonJS; the awaited value has the same members). Production runs PGlite as is.
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');

const OWN_SOURCE = readFileSync(module.filename, 'utf8');
const DYNAMIC_IMPORT = /\bimport\(("[^"]+")\)/g;

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha256').update(OWN_SOURCE).update(path).update(source).digest('hex');
  },
  process(source) {
    // Emscripten code declares its own `require`, so the module's one is kept under another name.
    return {
      code: `const __jestRequire = require;${source.replace(DYNAMIC_IMPORT, 'Promise.resolve(__jestRequire($1))')}`,
    };
  },
};
