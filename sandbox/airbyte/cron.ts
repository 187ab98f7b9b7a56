// The stand-in's check of a connection's cron schedule. Airbyte's description only types cronExpression
// as a string; Airbyte documents it as a Quartz cron expression, whose syntax (Quartz's CronTrigger
// tutorial) is: seconds minutes hours day-of-month month day-of-week [year], with
//   , lists   - ranges   * every value   / increments ("0/15", "*/5")
//   ? no specific value (day-of-month or day-of-week only, and one of the two must be "?")
//   L last (day-of-month: "L", "L-3", "LW"; day-of-week: "L", or "6L" for the month's last Friday)
//   W nearest weekday (day-of-month: "15W")   # nth weekday of the month (day-of-week: "6#3")
// Months may be named JAN-DEC and days SUN-SAT (SUN = 1).

interface Slot {
  label: string;
  lo: number;
  hi: number;
  /** Names of the values lo, lo + 1, ... */
  names?: readonly string[];
  /** Forms allowed in this field besides values, ranges, lists and increments. */
  extra?: RegExp;
}

const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
] as const;

const SLOTS: readonly Slot[] = [
  { label: "seconds", lo: 0, hi: 59 },
  { label: "minutes", lo: 0, hi: 59 },
  { label: "hours", lo: 0, hi: 23 },
  {
    label: "day-of-month",
    lo: 1,
    hi: 31,
    extra: /^(\?|L|L-([0-9]|[12][0-9]|30)|LW|([1-9]|[12][0-9]|3[01])W)$/,
  },
  { label: "month", lo: 1, hi: 12, names: MONTH_NAMES },
  {
    label: "day-of-week",
    lo: 1,
    hi: 7,
    names: DAY_NAMES,
    extra: /^(\?|L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/,
  },
  { label: "year", lo: 1970, hi: 2099 },
];

/** A single value of a slot (a number or a name), or undefined. */
function single(text: string, slot: Slot): number | undefined {
  const byName = slot.names?.indexOf(text) ?? -1;
  if (byName >= 0) return slot.lo + byName;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number.parseInt(text, 10);
  return n < slot.lo || n > slot.hi ? undefined : n;
}

/** What is wrong with one comma-separated item of a slot, if anything. */
function itemProblem(item: string, slot: Slot): string | undefined {
  if (slot.extra?.test(item)) return undefined;
  const slash = item.split("/");
  if (slash.length > 2) return `"${item}": at most one "/"`;
  const [base, increment] = slash;
  if (increment !== undefined && !(/^[0-9]+$/.test(increment) && Number(increment) > 0)) {
    return `"${item}": the increment must be a whole number above 0`;
  }
  if (base === "*") return undefined;
  const ends = base.split("-");
  if (ends.length > 2) return `"${base}" is not a value or a range`;
  const bad = ends.find((e) => single(e, slot) === undefined);
  if (bad !== undefined)
    return `"${bad}" is outside ${slot.lo}-${slot.hi}${slot.names ? " and not a name" : ""}`;
  return undefined;
}

/** Why `expression` is not a Quartz cron expression, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().toUpperCase().split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) {
    return `a Quartz cron expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), this one ${fields.length}`;
  }
  for (const [i, field] of fields.entries()) {
    const slot = SLOTS[i];
    for (const item of field.split(",")) {
      const problem = itemProblem(item, slot);
      if (problem) return `${slot.label}: ${problem}`;
    }
  }
  const dayOfMonthOpen = fields[3] === "?";
  const dayOfWeekOpen = fields[5] === "?";
  if (dayOfMonthOpen === dayOfWeekOpen)
    return `one (and only one) of day-of-month and day-of-week must be "?"`;
  return undefined;
}
