// `sophia check` for Lambda Cloud, through the provider's client: the API key lists the team's SSH keys.
import { PROBE_CLIENT, viaClient } from "../../cli/probeKit";
import { LambdaClient, lambdaSettings } from "../../providers/lambda/client";
import { type Probe, requirement } from "../spec";
import { LAMBDA } from "./keys";

const { lambdaApiUrl, lambdaApiKey } = LAMBDA;

export const PROBE: Probe = {
  requires: [requirement(lambdaApiUrl), requirement(lambdaApiKey)],
  run: async (get) => {
    const client = new LambdaClient(lambdaSettings(get), PROBE_CLIENT);
    const sshKeys = await viaClient(() => client.listSshKeys(), "Lambda", {
      url: lambdaApiUrl.name,
      credentials: lambdaApiKey.name,
      permission: "use an API key of the team that owns the instances",
    });
    return `API key works (${sshKeys.length} SSH keys)`;
  },
};
