// The sophia-guardrails policy pack: `pulumi preview --policy-pack policy`.
import { PolicyPack } from "@pulumi/policy";
import { ALL } from "./rules";

new PolicyPack("sophia-guardrails", { policies: ALL });
