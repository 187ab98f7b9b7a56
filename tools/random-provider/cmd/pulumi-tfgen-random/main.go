// pulumi-tfgen-random writes the provider's Pulumi package schema and bridge metadata:
//
//	pulumi-tfgen-random schema --skip-docs --skip-examples --out DIR   # writes DIR/schema.json, DIR/bridge-metadata.json
//
// scripts/engine.sh runs it in its build directory and then compiles cmd/pulumi-resource-random, which
// embeds both files. (Without --skip-examples the generator wants `pulumi convert` on PATH.)
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	randomprovider "github.com/terraform-providers/terraform-provider-random/sophia-pulumi-random"
)

// version is set at link time (-X main.version=4.21.2) to the @pulumi/random version.
var version string

func main() {
	tfgen.Main("random", randomprovider.Provider(version, nil))
}
