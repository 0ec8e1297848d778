#compdef slipway
# zsh completion for slipway. Load it with: source <(slipway completion zsh)
# or save it as _slipway in a directory of $fpath.
_slipway() {
  local cmd="" sub="" i w
  local -a words_
  case "${words[CURRENT-1]}" in
    -o|--output) compadd table json yaml; return;;
  esac
  for ((i=2; i<CURRENT; i++)); do
    w="${words[i]}"
    case "$w" in
      -o|--output|--server|--token|--project) ((i++)); continue;;
      -*) continue;;
    esac
    if [[ -z "$cmd" ]]; then cmd="$w"; elif [[ -z "$sub" ]]; then sub="$w"; break; fi
  done
  case "$cmd" in
    "") words_=(deployments rollback revisions aliases rollout operations wait promotions events audit targets webhooks whoami tokens config completion dev version help);;
    deployments)
      case "$sub" in
        "") words_=(create get list update delete);;
        create) words_=(--bake --canary-steps --env --environment --idempotency-key --image --instance-type --label --max --max-surge --max-unavailable --min --output --progress-deadline --project --replicas --secret --server --strategy --target --target-cpu --token --wait -f -o);;
        get) words_=(--output --project --server --token -o);;
        list) words_=(--all --cursor --environment --health --include-terminated --label --limit --output --owner --project --query --search --server --sort --status --target --token -o -q);;
        update) words_=(--bake --canary-steps --env --idempotency-key --if-match --image --instance-type --max --max-surge --max-unavailable --message --min --output --progress-deadline --project --replicas --secret --server --strategy --target-cpu --token --wait -f -o);;
        delete) words_=(--free-name --idempotency-key --output --project --server --token --wait -o);;
      esac;;
    rollback) words_=(--idempotency-key --message --output --project --server --to --token --wait -o);;
    revisions)
      case "$sub" in
        "") words_=(list get diff);;
        list) words_=(--all --cursor --limit --output --project --server --token -o);;
        get) words_=(--output --project --server --token -o);;
        diff) words_=(--output --project --server --token -o);;
      esac;;
    aliases)
      case "$sub" in
        "") words_=(set list history delete);;
        set) words_=(--idempotency-key --message --output --project --revision --server --token --wait -o);;
        list) words_=(--output --project --server --token -o);;
        history) words_=(--output --project --server --token -o);;
        delete) words_=(--idempotency-key --output --project --server --token --wait -o);;
      esac;;
    rollout)
      case "$sub" in
        "") words_=(pause resume abort promote status);;
        pause) words_=(--idempotency-key --message --output --project --server --token --wait -o);;
        resume) words_=(--idempotency-key --message --output --project --server --token --wait -o);;
        abort) words_=(--idempotency-key --message --output --project --server --token --wait -o);;
        promote) words_=(--full --idempotency-key --message --output --project --server --token --wait -o);;
        status) words_=(--output --project --server --token --watch -o -w);;
      esac;;
    operations)
      case "$sub" in
        "") words_=(get);;
        get) words_=(--output --project --server --token --wait -o);;
      esac;;
    wait) words_=(--output --project --server --timeout --token -o);;
    promotions)
      case "$sub" in
        "") words_=(create get apply);;
        create) words_=(--dry-run --env --idempotency-key --message --output --project --secret --server --source-revision --token --use-source-env --use-source-secret --wait -o);;
        get) words_=(--output --project --server --token -o);;
        apply) words_=(--idempotency-key --output --project --server --token --wait -o);;
      esac;;
    events) words_=(--after --deployment --output --project --server --token --type -o);;
    audit) words_=(--actor --all --cursor --deployment --from --kind --limit --output --project --server --status --to --token -o);;
    targets)
      case "$sub" in
        "") words_=(list get register delete);;
        list) words_=(--output --project --server --token -o);;
        get) words_=(--output --project --server --token -o);;
        register) words_=(--base-url --idempotency-key --in-cluster --instance-type --kubeconfig-file --kubeconfig-secret --namespace --output --project --prometheus-url --region --routing --server --token --wait -o);;
        delete) words_=(--idempotency-key --output --project --server --token --wait -o);;
      esac;;
    webhooks)
      case "$sub" in
        "") words_=(create list get delete deliveries redeliver);;
        create) words_=(--description --event --output --project --server --token -o);;
        list) words_=(--output --project --server --token -o);;
        get) words_=(--output --project --server --token -o);;
        delete) words_=(--output --project --server --token -o);;
        deliveries) words_=(--all --cursor --limit --output --project --server --state --token -o);;
        redeliver) words_=(--output --project --server --token -o);;
      esac;;
    whoami) words_=(--output --project --server --token -o);;
    tokens)
      case "$sub" in
        "") words_=(create list get revoke generate);;
        create) words_=(--expires-in --global-admin --grant --output --project --server --token -o);;
        list) words_=(--output --project --server --token -o);;
        get) words_=(--output --project --server --token -o);;
        revoke) words_=(--output --project --server --token -o);;
        generate) words_=(--output --project --server --token -o);;
      esac;;
    config)
      case "$sub" in
        "") words_=(set-server set-token view);;
        set-server) words_=(--output --project --server --token -o);;
        set-token) words_=(--output --project --server --token -o);;
        view) words_=(--output --project --server --token -o);;
      esac;;
    completion) words_=(bash zsh fish);;
    dev) words_=(--addr --data --cluster --kubeconfig --namespace --log-stderr --auth --rate-limit --rate-burst --read-rate-limit --read-rate-burst);;
    version) words_=();;
    help) words_=(deployments rollback revisions aliases rollout operations wait promotions events audit targets webhooks whoami tokens config completion dev version);;
  esac
  compadd -- "${words_[@]}"
}
if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _slipway "$@"
else
  compdef _slipway slipway
fi
