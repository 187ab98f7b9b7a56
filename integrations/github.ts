// GitHub: deployment environments (production protected) and the Actions secrets that carry each
// integration's CI credentials, per repository and per organization.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

export interface GithubArgs {
  repository: string;
  /** GitHub user ids who must approve production deployments. */
  productionReviewers: number[];
  /** Repository secrets (name → secret value). */
  repoSecrets: Record<string, pulumi.Input<string>>;
  /** Organization secrets (name → secret value), visible to the organization's private repositories. */
  orgSecrets: Record<string, pulumi.Input<string>>;
  orgSecretVisibility: "all" | "private" | "selected";
}

export const ENVIRONMENTS = ["development", "staging", "production"] as const;

export class GithubDelivery extends pulumi.ComponentResource {
  readonly environments: Record<(typeof ENVIRONMENTS)[number], github.RepositoryEnvironment>;
  readonly repoSecrets: Record<string, github.ActionsSecret> = {};
  readonly orgSecrets: Record<string, github.ActionsOrganizationSecret> = {};

  constructor(name: string, args: GithubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Github", name, {}, opts);
    const child = { parent: this };
    const env = (e: (typeof ENVIRONMENTS)[number]) =>
      new github.RepositoryEnvironment(
        `${name}-env-${e}`,
        e === "production"
          ? {
              repository: args.repository,
              environment: e,
              reviewers: [{ users: args.productionReviewers }],
              preventSelfReview: true,
              canAdminsBypass: false,
              waitTimer: 5,
              deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
            }
          : { repository: args.repository, environment: e },
        child,
      );
    this.environments = {
      development: env("development"),
      staging: env("staging"),
      production: env("production"),
    };

    for (const [secretName, value] of Object.entries(args.repoSecrets)) {
      this.repoSecrets[secretName] = new github.ActionsSecret(
        `${name}-secret-${secretName.toLowerCase()}`,
        { repository: args.repository, secretName, plaintextValue: pulumi.secret(value) },
        child,
      );
    }
    for (const [secretName, value] of Object.entries(args.orgSecrets)) {
      this.orgSecrets[secretName] = new github.ActionsOrganizationSecret(
        `${name}-org-secret-${secretName.toLowerCase()}`,
        { secretName, visibility: args.orgSecretVisibility, plaintextValue: pulumi.secret(value) },
        child,
      );
    }
    this.registerOutputs({});
  }
}
