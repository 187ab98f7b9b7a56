// Vercel: the web project, its domain, and environment variables per target; secrets are sensitive
// variables (write-only in Vercel, secret in state).
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";

export type VercelTarget = "production" | "preview" | "development";

export interface VercelVariable {
  value: pulumi.Input<string>;
  targets: VercelTarget[];
  /** Sensitive variables are secrets: never readable back from Vercel, secret in state. */
  sensitive: boolean;
}

export interface VercelArgs {
  projectName: string;
  framework: string;
  gitRepository?: string;
  domain?: string;
  variables: Record<string, VercelVariable>;
}

export class VercelSite extends pulumi.ComponentResource {
  readonly project: vercel.Project;
  readonly variables: Record<string, vercel.ProjectEnvironmentVariable> = {};

  constructor(name: string, args: VercelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Vercel", name, {}, opts);
    const child = { parent: this };
    this.project = new vercel.Project(
      `${name}-project`,
      {
        name: args.projectName,
        framework: args.framework,
        ...(args.gitRepository ? { gitRepository: { type: "github", repo: args.gitRepository } } : {}),
      },
      child,
    );
    if (args.domain) {
      new vercel.ProjectDomain(`${name}-domain`, { projectId: this.project.id, domain: args.domain }, child);
    }
    for (const [key, v] of Object.entries(args.variables)) {
      // Vercel refuses sensitive variables for the development target; split those out.
      const targets = v.sensitive ? v.targets.filter((t) => t !== "development") : v.targets;
      this.variables[key] = new vercel.ProjectEnvironmentVariable(
        `${name}-env-${key.toLowerCase()}`,
        {
          projectId: this.project.id,
          key,
          value: v.sensitive ? pulumi.secret(v.value) : v.value,
          targets,
          sensitive: v.sensitive,
        },
        child,
      );
    }
    this.registerOutputs({ projectId: this.project.id });
  }
}
