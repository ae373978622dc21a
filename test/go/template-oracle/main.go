// Command template-oracle executes ClusterSPIFFEID templates exactly as spire-controller-manager v0.7.0
// does, so that the TypeScript previews in lib/identity/template.ts can be compared with the real thing.
//
// What it mirrors (spire-controller-manager v0.7.0):
//   - parsing: api/v1alpha1/clusterspiffeid_webhook.go, ParseClusterSPIFFEIDSpec, calls
//     template.New(name).Parse(text) with no Option and no Funcs: only text/template's built-in
//     functions exist and a missing map key is the default "<no value>";
//   - data: pkg/spireentry/entries.go, the templateData struct that renderPodEntry fills
//     (TrustDomain, ClusterName, ClusterDomain strings; PodMeta/NodeMeta *metav1.ObjectMeta;
//     PodSpec *corev1.PodSpec; NodeSpec *corev1.NodeSpec), with the k8s.io/api version its go.mod pins;
//   - execution: pkg/spireentry/entries.go, renderTemplate, calls tmpl.Execute and discards the output
//     on error.
//
// Input: one JSON object a line, {"template": "...", "context": {...}}; the context holds the trust
// domain, cluster name and domain, and a Pod and a Node in their Kubernetes JSON form. Output: one JSON
// object a line, {"output": "..."} or {"parseError": "..."} or {"execError": "..."}.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// templateData has the shape of spire-controller-manager's pkg/spireentry templateData (unexported
// there, so it is declared again here field for field).
type templateData struct {
	TrustDomain   string
	ClusterName   string
	ClusterDomain string
	PodMeta       *metav1.ObjectMeta
	PodSpec       *corev1.PodSpec
	NodeMeta      *metav1.ObjectMeta
	NodeSpec      *corev1.NodeSpec
}

type request struct {
	Template string `json:"template"`
	Context  struct {
		TrustDomain   string      `json:"trustDomain"`
		ClusterName   string      `json:"clusterName"`
		ClusterDomain string      `json:"clusterDomain"`
		Pod           corev1.Pod  `json:"pod"`
		Node          corev1.Node `json:"node"`
	} `json:"context"`
}

type response struct {
	Output     *string `json:"output,omitempty"`
	ParseError *string `json:"parseError,omitempty"`
	ExecError  *string `json:"execError,omitempty"`
}

func run(line []byte) response {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		fmt.Fprintf(os.Stderr, "template-oracle: bad request line: %v\n", err)
		os.Exit(2)
	}
	tmpl, err := template.New("spiffeIDTemplate").Parse(req.Template)
	if err != nil {
		message := err.Error()
		return response{ParseError: &message}
	}
	ctx := req.Context
	data := &templateData{
		TrustDomain:   ctx.TrustDomain,
		ClusterName:   ctx.ClusterName,
		ClusterDomain: ctx.ClusterDomain,
		PodMeta:       &ctx.Pod.ObjectMeta,
		PodSpec:       &ctx.Pod.Spec,
		NodeMeta:      &ctx.Node.ObjectMeta,
		NodeSpec:      &ctx.Node.Spec,
	}
	var out strings.Builder
	if err := tmpl.Execute(&out, data); err != nil {
		message := err.Error()
		return response{ExecError: &message}
	}
	output := out.String()
	return response{Output: &output}
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	writer := bufio.NewWriter(os.Stdout)
	defer writer.Flush()
	encoder := json.NewEncoder(writer)
	encoder.SetEscapeHTML(false)
	for scanner.Scan() {
		if err := encoder.Encode(run(scanner.Bytes())); err != nil {
			fmt.Fprintf(os.Stderr, "template-oracle: %v\n", err)
			os.Exit(2)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "template-oracle: %v\n", err)
		os.Exit(2)
	}
}
