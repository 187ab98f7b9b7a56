// Preloaded into the dynamic-provider process (`node -r`, see pulumi-resource-pulumi-nodejs beside it): exits
// when the process that started it (the engine) is gone, which nothing else tells it. Once the parent dies
// the process is re-parented (to init or a subreaper), so its parent pid changes.
const engine = process.ppid;
setInterval(() => {
  if (process.ppid !== engine) {
    process.stderr.write("dynamic provider: the engine has exited; stopping\n");
    process.exit(1);
  }
}, 250).unref(); // the poll alone must not keep the process alive
