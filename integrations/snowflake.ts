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

/** The objects the service role is granted on and the users default to. */
interface AnalyticsObjects {
  warehouse: snowflake.Warehouse;
  database: snowflake.Database;
  schema: snowflake.Schema;
  role: snowflake.AccountRole;
}

/** Child options: `child` for what can be recreated, `keep` for what holds data or identity. */
interface ChildOptions {
  child: pulumi.CustomResourceOptions;
  keep: pulumi.CustomResourceOptions;
}

function analyticsObjects(name: string, args: SnowflakeArgs, o: ChildOptions): AnalyticsObjects {
  const warehouse = new snowflake.Warehouse(
    `${name}-warehouse`,
    {
      name: `${args.prefix}_WH`,
      warehouseSize: args.warehouseSize,
      autoSuspend: args.autoSuspendSeconds,
      autoResume: "true",
      initiallySuspended: true,
      comment: "Sophia AI analytics (managed by Pulumi)",
    },
    o.child,
  );
  const database = new snowflake.Database(
    `${name}-database`,
    {
      name: args.database,
      dataRetentionTimeInDays: args.dataRetentionDays,
      comment: "Sophia AI analytics (managed by Pulumi)",
    },
    o.keep,
  );
  const schema = new snowflake.Schema(
    `${name}-schema`,
    { database: database.name, name: args.schema, dataRetentionTimeInDays: args.dataRetentionDays },
    o.keep,
  );
  const role = new snowflake.AccountRole(
    `${name}-role`,
    { name: `${args.prefix}_SERVICE`, comment: "Sophia AI service role" },
    o.keep,
  );
  return { warehouse, database, schema, role };
}

/** Least privilege: use the warehouse, use the database, and read/write tables in the one schema. */
function grantLeastPrivilege(name: string, x: AnalyticsObjects, child: pulumi.CustomResourceOptions): void {
  const qualifiedSchema = () => pulumi.interpolate`"${x.database.name}"."${x.schema.name}"`;
  const grants: [string, snowflake.GrantPrivilegesToAccountRoleArgs][] = [
    [
      "warehouse-usage",
      {
        accountRoleName: x.role.name,
        privileges: ["USAGE", "OPERATE"],
        onAccountObject: { objectType: "WAREHOUSE", objectName: x.warehouse.name },
      },
    ],
    [
      "database-usage",
      {
        accountRoleName: x.role.name,
        privileges: ["USAGE"],
        onAccountObject: { objectType: "DATABASE", objectName: x.database.name },
      },
    ],
    [
      "schema-usage",
      {
        accountRoleName: x.role.name,
        privileges: ["USAGE", "CREATE TABLE", "CREATE VIEW", "CREATE STAGE"],
        onSchema: { schemaName: qualifiedSchema() },
      },
    ],
    [
      "tables-rw",
      {
        accountRoleName: x.role.name,
        privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
        onSchemaObject: { future: { objectTypePlural: "TABLES", inSchema: qualifiedSchema() } },
      },
    ],
  ];
  for (const [suffix, grant] of grants) {
    new snowflake.GrantPrivilegesToAccountRole(`${name}-grant-${suffix}`, grant, child);
  }
}

/** The service user of one rotation slot, with the service role granted; its password is that slot's value. */
function serviceUser(
  name: string,
  prefix: string,
  slot: "a" | "b",
  password: pulumi.Output<string>,
  x: AnalyticsObjects,
  o: ChildOptions,
): snowflake.LegacyServiceUser {
  const user = new snowflake.LegacyServiceUser(
    `${name}-user-${slot}`,
    {
      name: `${prefix}_SVC_${slot.toUpperCase()}`,
      loginName: `${prefix}_SVC_${slot.toUpperCase()}`,
      password,
      defaultRole: x.role.name,
      defaultWarehouse: x.warehouse.name,
      defaultNamespace: pulumi.interpolate`${x.database.name}.${x.schema.name}`,
      comment: `Sophia AI service user, rotation slot ${slot}`,
    },
    o.keep,
  );
  new snowflake.GrantAccountRole(
    `${name}-user-${slot}-role`,
    { roleName: x.role.name, userName: user.name },
    o.child,
  );
  return user;
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
    const o: ChildOptions = { child: { parent: this }, keep: { parent: this, protect: args.protect } };

    const objects = analyticsObjects(name, args, o);
    this.warehouse = objects.warehouse;
    this.database = objects.database;
    this.schema = objects.schema;
    this.role = objects.role;
    grantLeastPrivilege(name, objects, o.child);

    const cred = args.credential;
    this.users = {
      a: serviceUser(name, args.prefix, "a", pulumi.secret(cred.slotA.result), objects, o),
      b: serviceUser(name, args.prefix, "b", pulumi.secret(cred.slotB.result), objects, o),
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
