// The generic CRM integration: one per tenant (409 on a second registration), ids that are 19-digit
// int64 numbers above 2^53 (written with every digit), and an asynchronous delete that reports PENDING /
// IN_PROGRESS for `crmDeletePendingPolls` polls and then `crmDeleteOutcome` (DONE, or FAILED).
import { randomInt } from "node:crypto";
import type { Handler, Reply } from "../core";
import type { GongSandbox } from "./index";
import { requestId } from "./state";

/** A 19-digit int64 (first digit 1-8, so below 2^63 - 1 and far above 2^53). */
const int64Id = () => String(randomInt(1, 9)) + Array.from({ length: 18 }, () => randomInt(0, 10)).join("");

/**
 * A JSON reply whose `integrationId` fields (held as decimal strings) are written as JSON numbers with
 * every digit, as Gong does; JSON.stringify of a JavaScript number would round them. `body` (with
 * numbers) is what core validates against the description; `text` is what is sent.
 */
function int64Reply(status: number, body: Record<string, unknown>): Reply {
  const text = JSON.stringify(body).replace(/"integrationId":"(\d+)"/g, '"integrationId":$1');
  return { status, body: JSON.parse(text), text, headers: { "content-type": "application/json" } };
}

/** The answer to a finished delete request. */
const finished = (status: string) =>
  status === "FAILED"
    ? {
        requestId: requestId(),
        status: "FAILED",
        errors: [{ line: 0, description: "The integration could not be deleted" }],
        totalErrorCount: 1,
        totalSuccessCount: 0,
      }
    : { requestId: requestId(), status, totalErrorCount: 0, totalSuccessCount: 1 };

export function crmIntegrationRoutes(s: GongSandbox): Record<string, Handler> {
  return {
    listGenericCrmIntegration: () =>
      int64Reply(200, {
        requestId: requestId(),
        integrations: Object.values(s.state.crmIntegrations).map((i) => ({
          integrationId: String(i.integrationId),
          name: i.name,
          ownerEmail: i.ownerEmail,
        })),
      }),
    registerGenericCrmIntegration: (ctx) => {
      const b = ctx.body as { name: string; ownerEmail: string };
      if (Object.keys(s.state.crmIntegrations).length > 0) {
        return s.problem(409, "conflict", "An active integration already exists");
      }
      if (!String(b.name).trim()) return s.problem(400, "bad-request", "name must not be empty");
      // 19 digits, like Gong's own example id 5517027188234205706: above 2^53, so a client that parses
      // the answer into JavaScript numbers gets a different id
      const id = int64Id();
      s.state.crmIntegrations[id] = { integrationId: id, name: b.name, ownerEmail: b.ownerEmail };
      s.save();
      return int64Reply(200, { requestId: requestId(), integrationId: id });
    },
    deleteGenericCrmIntegration: (ctx) => {
      const id = String(ctx.query.integrationId);
      const clientRequestId = String(ctx.query.clientRequestId);
      if (!/^[A-Za-z0-9_-]+$/.test(clientRequestId)) {
        return s.problem(
          400,
          "bad-request",
          "clientRequestId may hold only letters, numbers, dashes and underscores",
        );
      }
      if (s.state.crmRequests[clientRequestId]) {
        return s.problem(409, "conflict", `Client request id ${clientRequestId} has already been used`);
      }
      const integration = s.state.crmIntegrations[id];
      // Gong documents no 404 here: an unknown (e.g. already deleted) integration is a malformed request.
      if (!integration) return s.problem(400, "bad-request", `Integration ${id} does not exist`);
      integration.deleting = clientRequestId;
      s.state.crmRequests[clientRequestId] = {
        integrationId: id,
        pollsLeft: s.setting("crmDeletePendingPolls", 2),
        outcome: String(s.settings.crmDeleteOutcome ?? "DONE"),
      };
      s.save();
      return { status: 201, body: { requestId: requestId(), clientRequestId } };
    },
    getRequestStatus: (ctx) => {
      const r = s.state.crmRequests[String(ctx.query.clientRequestId)];
      if (!r || r.integrationId !== String(ctx.query.integrationId)) {
        return s.problem(
          404,
          "not-found",
          `No request ${ctx.query.clientRequestId} for integration ${ctx.query.integrationId}`,
        );
      }
      if (!r.status) {
        if (r.pollsLeft > 0) {
          const status = r.pollsLeft === s.setting("crmDeletePendingPolls", 2) ? "PENDING" : "IN_PROGRESS";
          r.pollsLeft--;
          s.save();
          return { status: 200, body: { requestId: requestId(), status } };
        }
        r.status = r.outcome;
        if (r.outcome === "DONE") delete s.state.crmIntegrations[r.integrationId];
        else if (s.state.crmIntegrations[r.integrationId])
          delete s.state.crmIntegrations[r.integrationId].deleting;
        s.save();
      }
      return { status: 200, body: finished(r.status) };
    },
  };
}
