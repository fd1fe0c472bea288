/**
 * One import style for the whole repository, on top of aegir's rules (aegir lints with
 * its own config file, so this rule lives in a config of its own): relative imports name
 * the TypeScript source (`./x.ts`), never the emitted `./x.js`. scripts/build.mjs rewrites
 * them to `.js` in dist/.
 */
import tsParser from '@typescript-eslint/parser'

const message = 'import the TypeScript source (./x.ts), not ./x.js: see scripts/build.mjs'
const jsSuffix = '/^\\.{1,2}\\/.*\\.js$/'

export default [
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  { ignores: ['dist/**', 'node_modules/**', '**/pb/*.ts'] },
  {
    files: ['protocol/**/*.ts', 'node/**/*.ts', 'web-client/src/**/*.ts', 'simulations/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parser: tsParser, sourceType: 'module' },
    rules: {
      'no-restricted-syntax': ['error',
        { selector: `ImportDeclaration[source.value=${jsSuffix}]`, message },
        { selector: `ExportNamedDeclaration[source.value=${jsSuffix}]`, message },
        { selector: `ExportAllDeclaration[source.value=${jsSuffix}]`, message },
        { selector: `ImportExpression[source.value=${jsSuffix}]`, message }
      ]
    }
  }
]
