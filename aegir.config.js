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
      '*.js'
    ]
  },
  dependencyCheck: {
    productionInput: ['protocol/**/*.ts', 'node/**/*.ts', '!**/*.spec.ts'],
    developmentInput: ['test/**/*.ts', 'bench/**/*', 'scripts/**/*', 'simulations/**/*.ts', 'web-client/**/*.ts'],
    ignore: ['node']
  }
}
