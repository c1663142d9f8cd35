// The one Node API the Worker uses (compatibility flag nodejs_als). Declared here rather than
// pulling in @types/node, whose globals (Buffer, process) would hide misuse elsewhere.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, fn: () => R): R;
    getStore(): T | undefined;
  }
}
