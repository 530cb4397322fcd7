// Node has the WebAssembly global, but neither the ES2023 lib nor @types/node 20 declares it
// (only the DOM lib does). What kernels.ts uses of it:
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}
