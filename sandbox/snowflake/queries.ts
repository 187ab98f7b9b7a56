// Queries: a statement run in the caller's session (statements.ts), answered in the driver's JSON result
// format; a statement Snowflake would refuse is a failure with its error code and the query id.
import { randomUUID } from "node:crypto";
import type { Handler } from "../core";
import type { SnowflakeSandbox } from "./index";
import { SqlError } from "./sql";
import { execute, type Result } from "./statements";

/** The driver's description of each result column. */
const rowtype = (columns: Result["columns"]) =>
  columns.map((c) => ({
    name: c.name,
    database: "",
    schema: "",
    table: "",
    type: c.type,
    nullable: c.type === "text",
    length: c.type === "text" ? 16777216 : null,
    byteLength: c.type === "text" ? 16777216 : null,
    precision: c.type === "fixed" ? 38 : null,
    scale: c.type === "fixed" ? 0 : null,
    collation: null,
  }));

export function queryRoutes(s: SnowflakeSandbox): Record<string, Handler> {
  return {
    query: (ctx) => {
      const session = s.sessions.get(s.token(ctx)!)!; // authenticate admitted only live sessions
      const queryId = randomUUID();
      let result: Result;
      try {
        result = execute(s, String((ctx.body as { sqlText?: unknown }).sqlText), session);
      } catch (err) {
        if (!(err instanceof SqlError)) throw err;
        return s.failure(err.code, err.sqlState, err.message, { queryId });
      }
      return {
        status: 200,
        body: {
          data: {
            parameters: [],
            rowtype: rowtype(result.columns),
            rowset: result.rows,
            total: result.rows.length,
            returned: result.rows.length,
            queryId,
            queryResultFormat: "json",
            statementTypeId: result.statementTypeId,
            version: 1,
            finalDatabaseName: null,
            finalSchemaName: null,
            finalWarehouseName: session.warehouse,
            finalRoleName: session.role,
          },
          code: null,
          message: null,
          success: true,
        },
      };
    },
  };
}
