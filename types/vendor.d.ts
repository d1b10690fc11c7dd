// The Emscripten builds of Keystone and Capstone ship without typings; toolchain/ declares what it uses.
declare module '@alexaltea/keystone-js' {
  const createKeystone: (options?: object) => Promise<unknown>;
  export default createKeystone;
}
declare module '@alexaltea/capstone-js' {
  const createCapstone: (options?: object) => Promise<unknown>;
  export default createCapstone;
}
