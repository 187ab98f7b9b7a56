// The model catalogue: GET /models is public; `output_modalities` filters it (default "text", "all" for
// every model).
import type { Handler } from "../core";
import { clone } from "../core/util";
import type { OpenRouterSandbox } from "./index";

/** The admin API's id of a model: its id with "/" replaced by "__" (admin paths split on "/"). */
export const modelKey = (id: string) => id.replace(/\//g, "__");

export function modelRoutes(s: OpenRouterSandbox): Record<string, Handler> {
  return {
    getModels: (ctx) => {
      const wanted = String(ctx.query.output_modalities ?? "text")
        .split(",")
        .map((m) => m.trim());
      const data = Object.values(s.state.models).filter(
        (m) => wanted.includes("all") || m.architecture.output_modalities.some((o) => wanted.includes(o)),
      );
      return { status: 200, body: { data: clone(data), total_count: data.length, links: { next: null } } };
    },
  };
}
