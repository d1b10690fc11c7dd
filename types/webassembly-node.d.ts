// The WebAssembly JavaScript API as Node provides it. TypeScript declares it in its DOM and worker
// libraries only, and Node's own typings (20.x) leave it out, so the Node configuration
// (tsconfig.node.json) declares the part this project uses; the page's configuration uses the DOM's.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
    static exports(module: Module): { name: string; kind: string }[];
    static imports(module: Module): { module: string; name: string; kind: string }[];
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  type ExportValue = Function | Memory | WebAssembly.Global | WebAssembly.Table;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number | bigint;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;
  class Global {
    value: unknown;
  }
  class Table {
    readonly length: number;
    grow(delta: number): number;
    set(index: number, value: Function | null): void;
  }
  interface WebAssemblyInstantiatedSource {
    instance: Instance;
    module: Module;
  }
  function compile(bytes: BufferSource): Promise<Module>;
  function compileStreaming(source: Response | PromiseLike<Response>): Promise<Module>;
  function instantiate(bytes: BufferSource, imports?: Imports): Promise<WebAssemblyInstantiatedSource>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}

type BufferSource = ArrayBufferView<ArrayBuffer> | ArrayBuffer;
