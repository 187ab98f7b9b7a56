// Preloaded into the dynamic-provider process (see pulumi-resource-pulumi-nodejs beside it): lets the
// dynamic-provider host of @pulumi/pulumi 3.248 answer previews itself. Without it the host says it does
// not support previews, and the engine then takes every output of a resource to be updated for unknown,
// so a resource that depends on one (an Airbyte connection on its destination's id, which an update keeps)
// previews a replace that `up` never does. With it, a preview of an update answers the resource's current
// outputs overlaid with its new inputs — what a dynamic provider's update keeps, ids included — and a
// preview of a create answers its inputs (what the engine assumed before); neither calls the provider,
// so a preview still makes no API request. The three statements are inserted as the host's module loads;
// if its code no longer has the lines they follow, nothing is changed and a warning says so.
const Module = require("node:module");
const path = require("node:path");

const HOST = path.join("@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js");
const PATCHES = [
  // the host answers previews itself
  [/resp\.setAcceptsecrets\(false\);/, "$& resp.setSupportspreview(true);"],
  // create, previewed: the inputs, no id, no provider call
  [
    /(new provproto\.CreateResponse\(\);\s*const props = req\.getProperties\(\)\.toJavaScript\(\);)/,
    "$1 if (req.getPreview()) { resp.setProperties(structproto.Struct.fromJavaScript(props)); callback(undefined, resp); return; }",
  ],
  // update, previewed: the current outputs overlaid with the new inputs, no provider call
  [
    /(const news = req\.getNews\(\)\.toJavaScript\(\);\s*let result = \{\};)/,
    "$1 if (req.getPreview()) { resp.setProperties(structproto.Struct.fromJavaScript(Object.assign({}, olds, news))); callback(undefined, resp); return; }",
  ],
];

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  if (filename.endsWith(HOST)) {
    Module.prototype._compile = compile;
    if (PATCHES.every(([re]) => re.test(content))) {
      for (const [re, by] of PATCHES) content = content.replace(re, by);
    } else {
      process.stderr.write(
        "dynamic provider: previews answered by the engine (the host's code has changed)\n",
      );
    }
  }
  return compile.call(this, content, filename);
};
