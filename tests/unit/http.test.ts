import { withoutSecrets } from "../../providers/dynamic";
import { apiMessage, parseJsonKeepingDigits, parseRetryAfter } from "../../providers/http/client";

describe("Retry-After", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(
      parseRetryAfter("Wed, 25 Nov 2026 10:00:05 GMT", Date.parse("Wed, 25 Nov 2026 10:00:00 GMT")),
    ).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("API messages", () => {
  it("prefers the problem detail, then message and error fields", () => {
    expect(apiMessage({ title: "bad-request", detail: "name is required" })).toBe("name is required");
    expect(apiMessage({ error: { message: "quota exceeded" } })).toBe("quota exceeded");
    expect(apiMessage("upstream timeout")).toBe("upstream timeout");
    expect(apiMessage(undefined)).toBe("(empty body)");
  });
});

describe("comparing configuration without secrets", () => {
  it("drops masked values and the paths the program keeps secret, nested included", () => {
    const remote = {
      host: "h",
      password: "**********",
      tunnel_method: { tunnel_host: "t", tunnel_user_password: "**********" },
      ssl_mode: { mode: "require" },
    };
    expect(
      withoutSecrets(remote, { password: "x", tunnel_method: { tunnel_user_password: "y" } }, "**********"),
    ).toEqual({
      host: "h",
      tunnel_method: { tunnel_host: "t" },
      ssl_mode: { mode: "require" },
    });
  });
});

describe("int64 fields", () => {
  it("keeps every digit of the named fields as strings, and only of those", () => {
    const text =
      '{"integrations":[{"integrationId": 5517027188234205706,"name":"crm","count":9007199254740993}]}';
    expect(parseJsonKeepingDigits(text, ["integrationId"])).toEqual({
      integrations: [{ integrationId: "5517027188234205706", name: "crm", count: 9007199254740992 }],
    });
    // what JSON.parse alone would have done
    expect(JSON.parse(text).integrations[0].integrationId).toBe(5517027188234206000);
  });

  it("returns what is not JSON unchanged", () => {
    expect(parseJsonKeepingDigits("Bad gateway", ["integrationId"])).toBe("Bad gateway");
    expect(parseJsonKeepingDigits("", ["integrationId"])).toBe("");
  });
});
