// The OIDC documents moved to src/policies (the Terraform hand-off writes them too). This keeps the
// wizard's editor, which helper work is splitting right now, building; point it at src/policies and delete this.
export * from '../policies/ci-oidc-policy.js';
