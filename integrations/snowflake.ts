// Snowflake analytics: warehouse (auto-suspend, auto-resume), database with a retention period for
// recovery, schema, a role with least-privilege grants, and two service users (blue/green) whose
// passwords are the two slots of a rotated credential, so consumers switch users without downtime.
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import type { RotatedCredential } from "./rotation";

export interface SnowflakeArgs {
  /** Upper-case prefix of object names, e.g. SOPHIA_PRODUCTION. */
  prefix: string;
  warehouseSize: string;
  autoSuspendSeconds: number;
  dataRetentionDays: number;
  database: string;
  schema: string;
  credential: RotatedCredential;
  /** Protect what holds data or identity (production). */
  protect: boolean;
}

export class SnowflakeAnalytics extends pulumi.ComponentResource {
  readonly warehouse: snowflake.Warehouse;
  readonly database: snowflake.Database;
  readonly schema: snowflake.Schema;
  readonly role: snowflake.AccountRole;
  readonly users: Record<"a" | "b", snowflake.LegacyServiceUser>;
  /** The user consumers should connect as now, and its password (secret). */
  readonly currentUser: pulumi.Output<string>;
  readonly currentPassword: pulumi.Output<string>;

  constructor(name: string, args: SnowflakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:integrations:Snowflake", name, {}, opts);
    const child = { parent: this };
    const keep = { parent: this, protect: args.protect };
    const p = args.prefix;

    this.warehouse = new snowflake.Warehouse(
      `${name}-warehouse`,
      {
        name: `${p}_WH`,
        warehouseSize: args.warehouseSize,
        autoSuspend: args.autoSuspendSeconds,
        autoResume: "true",
        initiallySuspended: true,
        comment: "Sophia AI analytics (managed by Pulumi)",
      },
      child,
    );
    this.database = new snowflake.Database(
      `${name}-database`,
      {
        name: args.database,
        dataRetentionTimeInDays: args.dataRetentionDays,
        comment: "Sophia AI analytics (managed by Pulumi)",
      },
      keep,
    );
    this.schema = new snowflake.Schema(
      `${name}-schema`,
      { database: this.database.name, name: args.schema, dataRetentionTimeInDays: args.dataRetentionDays },
      keep,
    );
    this.role = new snowflake.AccountRole(
      `${name}-role`,
      { name: `${p}_SERVICE`, comment: "Sophia AI service role" },
      keep,
    );

    // Least privilege: use the warehouse, use the database, and read/write tables in the one schema.
    const grants: [string, snowflake.GrantPrivilegesToAccountRoleArgs][] = [
      [
        "warehouse-usage",
        {
          accountRoleName: this.role.name,
          privileges: ["USAGE", "OPERATE"],
          onAccountObject: { objectType: "WAREHOUSE", objectName: this.warehouse.name },
        },
      ],
      [
        "database-usage",
        {
          accountRoleName: this.role.name,
          privileges: ["USAGE"],
          onAccountObject: { objectType: "DATABASE", objectName: this.database.name },
        },
      ],
      [
        "schema-usage",
        {
          accountRoleName: this.role.name,
          privileges: ["USAGE", "CREATE TABLE", "CREATE VIEW", "CREATE STAGE"],
          onSchema: { schemaName: pulumi.interpolate`"${this.database.name}"."${this.schema.name}"` },
        },
      ],
      [
        "tables-rw",
        {
          accountRoleName: this.role.name,
          privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
          onSchemaObject: {
            future: {
              objectTypePlural: "TABLES",
              inSchema: pulumi.interpolate`"${this.database.name}"."${this.schema.name}"`,
            },
          },
        },
      ],
    ];
    for (const [suffix, grant] of grants) {
      new snowflake.GrantPrivilegesToAccountRole(`${name}-grant-${suffix}`, grant, child);
    }

    const user = (slot: "a" | "b", password: pulumi.Output<string>) => {
      const u = new snowflake.LegacyServiceUser(
        `${name}-user-${slot}`,
        {
          name: `${p}_SVC_${slot.toUpperCase()}`,
          loginName: `${p}_SVC_${slot.toUpperCase()}`,
          password,
          defaultRole: this.role.name,
          defaultWarehouse: this.warehouse.name,
          defaultNamespace: pulumi.interpolate`${this.database.name}.${this.schema.name}`,
          comment: `Sophia AI service user, rotation slot ${slot}`,
        },
        keep,
      );
      new snowflake.GrantAccountRole(
        `${name}-user-${slot}-role`,
        { roleName: this.role.name, userName: u.name },
        child,
      );
      return u;
    };
    const cred = args.credential;
    this.users = {
      a: user("a", pulumi.secret(cred.slotA.result)),
      b: user("b", pulumi.secret(cred.slotB.result)),
    };
    this.currentUser = this.users[cred.currentSlot].name;
    this.currentPassword = cred.current;

    this.registerOutputs({
      warehouse: this.warehouse.name,
      database: this.database.name,
      currentUser: this.currentUser,
    });
  }
}
