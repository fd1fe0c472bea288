export * from './routing.js'
