// Package randomprovider maps the Terraform random provider (a plugin-framework provider) onto the
// resource and property names the @pulumi/random SDK sends, through the Pulumi Terraform bridge.
//
// The upstream Pulumi provider module (github.com/pulumi/pulumi-random/provider/v4) is not served by the
// module proxy reachable from our machines, but the Terraform provider it wraps and the bridge are, so
// scripts/engine.sh builds the plugin from this module. The module path lies under
// github.com/terraform-providers/terraform-provider-random/ so that Go lets it import that module's
// internal/provider package, which holds the provider's constructor.
package randomprovider

import (
	"context"
	"fmt"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	tfrandom "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// Provider returns the bridge's description of the provider. version is the plugin's version, which must
// equal the @pulumi/random version the programs use (the engine asks for exactly that version).
// metadata is the bridge metadata the generator wrote beside the schema; the generator itself passes nil.
func Provider(version string, metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pftfbridge.ShimProvider(tfrandom.New()),
		Name:         "random",
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		Version:      version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			// random_bytes has no `id` attribute; its ID is its base64 value.
			"random_bytes": {ComputeID: idFromAttribute("base64")},
		},
		// The same diff and state settings as the published plugin, so that the states they write agree.
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}
	// Every Terraform resource random_<name> becomes random:index/random<Name>:Random<Name>, the tokens
	// of the published SDK (e.g. random_password -> random:index/randomPassword:RandomPassword).
	standard := tokens.MakeStandard("random")
	info.MustComputeTokens(tokens.SingleModule("random_", "index", func(module, name string) (string, error) {
		return standard(module, "Random"+name)
	}))
	return info
}

// idFromAttribute uses a string attribute of the resource's state as its ID. The attribute may be a
// secret (random_bytes' values are sensitive); an ID cannot be, so the plain value is used.
func idFromAttribute(name resource.PropertyKey) tfbridge.ComputeID {
	return func(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
		v, ok := state[name]
		if !ok {
			return "", fmt.Errorf("random provider: no %q in the state to use as the ID", name)
		}
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsString() {
			return "", fmt.Errorf("random provider: %q is %v, not a string", name, v.TypeString())
		}
		return resource.ID(v.StringValue()), nil
	}
}
