// pulumi-resource-random is the random provider plugin. It embeds the schema and bridge metadata that
// cmd/pulumi-tfgen-random generates; those two files are build products, written into a copy of this module
// by scripts/engine.sh (which is how the plugin is built), so this package does not compile in the
// repository as is.
package main

import (
	"context"
	_ "embed"
	"encoding/json"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/contract"

	randomprovider "github.com/terraform-providers/terraform-provider-random/sophia-pulumi-random"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var bridgeMetadata []byte

// version is set at link time (-X main.version=4.21.2) to the @pulumi/random version.
var version string

func main() {
	pftfbridge.Main(context.Background(), "random", randomprovider.Provider(version, bridgeMetadata),
		pftfbridge.ProviderMetadata{PackageSchema: withVersion(schema, version)})
}

// withVersion returns the schema with its version set: the generator leaves it out.
func withVersion(schema []byte, version string) []byte {
	var spec map[string]json.RawMessage
	contract.AssertNoErrorf(json.Unmarshal(schema, &spec), "the embedded schema is not JSON")
	v, err := json.Marshal(version)
	contract.AssertNoErrorf(err, "marshalling the version")
	spec["version"] = v
	out, err := json.Marshal(spec)
	contract.AssertNoErrorf(err, "marshalling the schema")
	return out
}
