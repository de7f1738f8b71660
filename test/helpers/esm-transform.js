/**
 * Jest transform for dependencies published only as ES modules (jose): compiles
 * them to CommonJS with TypeScript, as ts-jest does for our own files. Node 20.19+
 * loads them natively in production (require of ES modules).
 */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const OWN_SOURCE = readFileSync(module.filename, 'utf8');

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha256')
      .update(OWN_SOURCE)
      .update(ts.version)
      .update(path)
      .update(source)
      .digest('hex');
  },
  process(source, path) {
    const { outputText } = ts.transpileModule(source, {
      fileName: path,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
      },
    });
    return { code: outputText };
  },
};
