// GitHub: the repository's deployment environments and Actions secrets, which carry the rotated
// credentials and (optionally) the integrations' CI credentials.

import type { GithubArgs, GithubDelivery } from "../github";
import { defineIntegration, enabledBy } from "../spec";
import { GITHUB } from "./keys";

export type GithubConfig = Omit<GithubArgs, "repoSecrets" | "orgSecrets"> & {
  carryConfigCredentials: boolean;
};

export const github = defineIntegration({
  name: "github",
  keys: GITHUB,
  enabled: enabledBy(GITHUB.githubEnabled),
  carriesCredentials: true,
  read: ({ r, stack }): GithubConfig => {
    const config: GithubConfig = {
      repository: r.string(GITHUB.githubRepository),
      productionReviewers: r.intList(GITHUB.githubProductionReviewers),
      orgSecretVisibility: r.string(GITHUB.githubOrgSecretVisibility) as GithubArgs["orgSecretVisibility"],
      carryConfigCredentials: r.bool(GITHUB.githubCarryConfigCredentials),
    };
    if (stack === "production" && config.productionReviewers.length === 0) {
      r.problems.push(
        `${r.full(GITHUB.githubProductionReviewers)} must name at least one reviewer in the production stack`,
      );
    }
    return config;
  },
  compose: (cfg, ctx): GithubDelivery => {
    const { GithubDelivery } = require("../github") as typeof import("../github");
    return new GithubDelivery("github", {
      ...cfg,
      repoSecrets: ctx.carried(),
      orgSecrets: cfg.carryConfigCredentials ? ctx.ciCredentials : {},
    });
  },
  probe: () => (require("./probe") as typeof import("./probe")).PROBE,
});
