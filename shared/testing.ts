// The shared test kit, as `@desk/shared/testing`: databases, NATS prefixes, ports, keys and harnesses for
// tests and benchmarks. Never imported by production code.
export * from './src/testing';
