# bash completion for slipway. Load it with: source <(slipway completion bash)
_slipway() {
  local cur prev cmd="" sub="" i w words=""
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return;;
  esac
  for ((i=1; i<COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in
      -o|--output|--server|--token|--project) ((i++)); continue;;
      -*) continue;;
    esac
    if [[ -z "$cmd" ]]; then cmd="$w"; elif [[ -z "$sub" ]]; then sub="$w"; break; fi
  done
  case "$cmd" in
    "") words="deployments rollback revisions aliases rollout operations wait promotions events audit targets webhooks whoami tokens config completion dev version help";;
    deployments)
      case "$sub" in
        "") words="create get list update delete";;
        create) words="--bake --canary-steps --env --environment --idempotency-key --image --instance-type --label --max --max-surge --max-unavailable --min --output --progress-deadline --project --replicas --secret --server --strategy --target --target-cpu --token --wait -f -o";;
        get) words="--output --project --server --token -o";;
        list) words="--all --cursor --environment --health --include-terminated --label --limit --output --owner --project --query --search --server --sort --status --target --token -o -q";;
        update) words="--bake --canary-steps --env --idempotency-key --if-match --image --instance-type --max --max-surge --max-unavailable --message --min --output --progress-deadline --project --replicas --secret --server --strategy --target-cpu --token --wait -f -o";;
        delete) words="--free-name --idempotency-key --output --project --server --token --wait -o";;
      esac;;
    rollback) words="--idempotency-key --message --output --project --server --to --token --wait -o";;
    revisions)
      case "$sub" in
        "") words="list get diff";;
        list) words="--all --cursor --limit --output --project --server --token -o";;
        get) words="--output --project --server --token -o";;
        diff) words="--output --project --server --token -o";;
      esac;;
    aliases)
      case "$sub" in
        "") words="set list history delete";;
        set) words="--idempotency-key --message --output --project --revision --server --token --wait -o";;
        list) words="--output --project --server --token -o";;
        history) words="--output --project --server --token -o";;
        delete) words="--idempotency-key --output --project --server --token --wait -o";;
      esac;;
    rollout)
      case "$sub" in
        "") words="pause resume abort promote status";;
        pause) words="--idempotency-key --message --output --project --server --token --wait -o";;
        resume) words="--idempotency-key --message --output --project --server --token --wait -o";;
        abort) words="--idempotency-key --message --output --project --server --token --wait -o";;
        promote) words="--full --idempotency-key --message --output --project --server --token --wait -o";;
        status) words="--output --project --server --token --watch -o -w";;
      esac;;
    operations)
      case "$sub" in
        "") words="get";;
        get) words="--output --project --server --token --wait -o";;
      esac;;
    wait) words="--output --project --server --timeout --token -o";;
    promotions)
      case "$sub" in
        "") words="create get apply";;
        create) words="--dry-run --env --idempotency-key --message --output --project --secret --server --source-revision --token --use-source-env --use-source-secret --wait -o";;
        get) words="--output --project --server --token -o";;
        apply) words="--idempotency-key --output --project --server --token --wait -o";;
      esac;;
    events) words="--after --deployment --output --project --server --token --type -o";;
    audit) words="--actor --all --cursor --deployment --from --kind --limit --output --project --server --status --to --token -o";;
    targets)
      case "$sub" in
        "") words="list get register delete";;
        list) words="--output --project --server --token -o";;
        get) words="--output --project --server --token -o";;
        register) words="--base-url --idempotency-key --in-cluster --instance-type --kubeconfig-file --kubeconfig-secret --namespace --output --project --prometheus-url --region --routing --server --token --wait -o";;
        delete) words="--idempotency-key --output --project --server --token --wait -o";;
      esac;;
    webhooks)
      case "$sub" in
        "") words="create list get delete deliveries redeliver";;
        create) words="--description --event --output --project --server --token -o";;
        list) words="--output --project --server --token -o";;
        get) words="--output --project --server --token -o";;
        delete) words="--output --project --server --token -o";;
        deliveries) words="--all --cursor --limit --output --project --server --state --token -o";;
        redeliver) words="--output --project --server --token -o";;
      esac;;
    whoami) words="--output --project --server --token -o";;
    tokens)
      case "$sub" in
        "") words="create list get revoke generate";;
        create) words="--expires-in --global-admin --grant --output --project --server --token -o";;
        list) words="--output --project --server --token -o";;
        get) words="--output --project --server --token -o";;
        revoke) words="--output --project --server --token -o";;
        generate) words="--output --project --server --token -o";;
      esac;;
    config)
      case "$sub" in
        "") words="set-server set-token view";;
        set-server) words="--output --project --server --token -o";;
        set-token) words="--output --project --server --token -o";;
        view) words="--output --project --server --token -o";;
      esac;;
    completion) words="bash zsh fish";;
    dev) words="--addr --data --cluster --kubeconfig --namespace --log-stderr --auth --rate-limit --rate-burst --read-rate-limit --read-rate-burst";;
    version) words="";;
    help) words="deployments rollback revisions aliases rollout operations wait promotions events audit targets webhooks whoami tokens config completion dev version";;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _slipway slipway
