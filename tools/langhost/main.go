// Command pulumi-language-nodejs is a minimal Node.js language host for the Pulumi engine.
//
// Why it exists: the upstream language host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that has no tags and that the
// module proxy reachable from our build machines does not serve. A machine with a normal Pulumi
// install uses the upstream host; scripts/engine.sh builds this one only when no `pulumi` of the
// pinned version is on PATH.
//
// It implements the part of pulumirpc.LanguageRuntime the engine needs to run a program and a policy
// pack: GetPluginInfo, GetRequiredPlugins, Run and RunPlugin. Run starts `node <@pulumi/pulumi>/cmd/run`
// with the flags and environment that script reads (node_modules/@pulumi/pulumi/cmd/run/index.js);
// RunPlugin starts `cmd/run-policy-pack` for a policy pack (analyzer) and streams its output back.
// Everything else answers Unimplemented, which the engine treats as "not supported".
//
// The node processes it starts die with the engine (children.go): a SIGKILLed `pulumi` must not leave a
// program running that goes on changing vendor objects.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set with -ldflags "-X main.version=..." by scripts/engine.sh.
var version = "0.0.0-dev"

// exitCodeAlreadyReported is the code @pulumi/pulumi's run script exits with after it has logged
// the user-facing error itself; the engine should then not print another one ("bail").
const exitCodeAlreadyReported = 32

func main() {
	// The engine starts language plugins as `<plugin> [flags] <engine-address>`.
	args := os.Args[1:]
	engineAddress := ""
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			engineAddress = a
		}
	}

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: could not find `node` on PATH")
		os.Exit(1)
	}

	kids := newChildren()
	go watchParent(kids)

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{node: nodeBin, engine: engineAddress, kids: kids})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the RPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: RPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	node   string
	engine string
	kids   *children // the node processes we run, which die with the engine
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins reports no plugins up front. Resource plugins are then loaded lazily, when the
// program first registers a resource of that package, from PATH or the plugin cache. That is the
// behaviour we want offline, where PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION is set and a plugin the
// program does not use (aws, snowflake, ...) must not be required to be present.
func (h *host) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runScript, err := findSDKScript(programDir, "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{}
	opts := req.GetInfo().GetOptions().AsMap()
	if nodeargs, ok := opts["nodeargs"].(string); ok && nodeargs != "" {
		args = append(args, strings.Fields(nodeargs)...)
	}
	args = append(args, runScript)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", h.engine)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("stack", req.GetStack())
	flag("pwd", req.GetPwd())
	flag("root-directory", req.GetInfo().GetRootDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetQueryMode() {
		args = append(args, "--query-mode")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	program := req.GetProgram()
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	env, err := runEnv(req, opts)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, h.node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = env
	if err := h.kids.run(cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeAlreadyReported {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// runEnv is the environment of the program's node process: ours, plus the stack's config and the
// runtime options that @pulumi/pulumi's run script reads from the environment.
func runEnv(req *pulumirpc.RunRequest, opts map[string]interface{}) ([]string, error) {
	configJSON, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret config keys: %w", err)
	}

	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
	)
	typescript := true
	if ts, ok := opts["typescript"].(bool); ok {
		typescript = ts
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescript))
	if tsconfig, ok := opts["tsconfig"].(string); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}
	return env, nil
}

// RunPlugin runs a plugin written in Node.js. Only policy packs (analyzers) are supported: the engine
// passes its address in Args and the pack's directory in Info; run-policy-pack prints the port it serves
// on, which we stream back as stdout.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != "analyzer" {
		return status.Errorf(codes.Unimplemented, "this language host runs only policy packs, not %q plugins", req.GetKind())
	}
	packDir := req.GetInfo().GetProgramDirectory()
	script, err := findSDKScript(packDir, "run-policy-pack")
	if err != nil {
		return err
	}
	args := append(append([]string{script}, req.GetArgs()...), packDir)
	cmd := exec.CommandContext(server.Context(), h.node, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	release, err := h.kids.start(cmd)
	if err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	defer release() // after cmd.Wait below

	var mu sync.Mutex // a stream's Send is not safe for concurrent use
	send := func(r *pulumirpc.RunPluginResponse) error {
		mu.Lock()
		defer mu.Unlock()
		return server.Send(r)
	}
	var wg sync.WaitGroup
	pump := func(r interface{ Read([]byte) (int, error) }, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				chunk := append([]byte(nil), buf[:n]...)
				if send(wrap(chunk)) != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()
	code := int32(0)
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// findSDKScript locates one of @pulumi/pulumi's cmd scripts in the nearest node_modules above dir.
func findSDKScript(dir, name string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf(
				"the Pulumi SDK is not installed: no node_modules/@pulumi/pulumi above %s (run `npm ci`)", abs)
		}
	}
}
