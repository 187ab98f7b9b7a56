// Lambda Cloud: SSH keys, file systems and (only when asked, they cost money) instances. The component's
// file is integrations/lambdaLabs.ts, the name the platform team asked for; everywhere else it is `lambda`.

import type { LambdaArgs, LambdaCompute } from "../lambdaLabs";
import { defineIntegration, enabledBy } from "../spec";
import { LAMBDA } from "./keys";

type Item<K extends keyof LambdaArgs> = NonNullable<LambdaArgs[K]> extends (infer T)[] ? T : never;

export const lambda = defineIntegration({
  name: "lambda",
  keys: LAMBDA,
  enabled: enabledBy(LAMBDA.lambdaEnabled),
  ciCredentials: [LAMBDA.lambdaApiKey],
  read: (ctx): LambdaArgs => {
    const { r } = ctx;
    const config: LambdaArgs = {
      namePrefix: ctx.namePrefix,
      sshKeys: r.objectList<Item<"sshKeys">>(LAMBDA.lambdaSshKeys),
      fileSystems: r.objectList<Item<"fileSystems">>(LAMBDA.lambdaFileSystems),
      launchInstances: r.bool(LAMBDA.lambdaLaunchInstances),
      instances: r.objectList<Item<"instances">>(LAMBDA.lambdaInstances),
    };
    r.string(LAMBDA.lambdaApiUrl);
    return config;
  },
  compose: (cfg): LambdaCompute => {
    const { LambdaCompute } = require("../lambdaLabs") as typeof import("../lambdaLabs");
    return new LambdaCompute("lambda", cfg);
  },
  outputs: (compute) => ({ lambdaInstanceIps: compute.instanceIps, lambdaPrivateKeys: compute.privateKeys }),
  sandboxUrls: (at) => ({ [LAMBDA.lambdaApiUrl.name]: at("lambda") }),
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
