// Preloaded (NODE_OPTIONS=--require) by `npm run bench -- noop` into the node processes of a `pulumi up`:
// the language host that runs the program, and the dynamic provider host. Each appends JSON lines to
// $BENCH_TIMING_FILE: one when it starts (node's own boot time) and one when it exits (how long the
// program's require took, closure serialization, CPU), so the bench can say where a no-op up's time goes.
// Plain JavaScript: node loads it before any TypeScript hook exists.
const fs = require("node:fs");
const Module = require("node:module");
const { performance } = require("node:perf_hooks");

const file = process.env.BENCH_TIMING_FILE;
const script = process.argv[1] ?? "";
const role = /dynamic-provider/.test(script)
  ? "provider"
  : /cmd[\\/]run/.test(script)
    ? "program"
    : undefined;

if (file && role) {
  const bootMs = performance.now(); // since the process started: node's boot, before any module
  const write = (o) => fs.appendFileSync(file, `${JSON.stringify({ role, pid: process.pid, ...o })}\n`);
  write({ event: "start", bootMs, startedAt: Date.now() - bootMs });

  const program = { startMs: undefined, loadMs: undefined };
  const serialize = { calls: 0, totalMs: 0, firstStartMs: undefined, lastEndMs: undefined };

  /** Times each closure serialization (a dynamic provider's code, serialized into its resources). */
  const wrapSerializer = (exports) => {
    const original = exports.serializeFunction;
    if (typeof original !== "function" || original.__benchTimed) return;
    const timedSerialize = function (...args) {
      const t = performance.now();
      serialize.calls++;
      serialize.firstStartMs ??= t;
      const done = () => {
        const end = performance.now();
        serialize.totalMs += end - t;
        serialize.lastEndMs = end;
      };
      const p = original.apply(this, args);
      p.then(done, done);
      return p;
    };
    timedSerialize.__benchTimed = true;
    exports.serializeFunction = timedSerialize;
  };

  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    // the language host's require of the program: TypeScript compile (and type-check), module bodies
    const isProgram =
      role === "program" &&
      program.startMs === undefined &&
      typeof request === "string" &&
      request.startsWith("/") &&
      /cmd[\\/]run[\\/]run\.js$/.test(parent?.filename ?? "");
    if (isProgram) program.startMs = performance.now();
    const exports = load.apply(this, [request, parent, isMain]);
    if (isProgram) program.loadMs = performance.now() - program.startMs;
    if (typeof request === "string" && request.endsWith("closure/serializeClosure")) wrapSerializer(exports);
    return exports;
  };

  process.on("exit", () => {
    const cpu = process.cpuUsage();
    write({
      event: "exit",
      aliveMs: performance.now(),
      programRequireAtMs: program.startMs,
      programLoadMs: program.loadMs,
      serialize,
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  });
}
