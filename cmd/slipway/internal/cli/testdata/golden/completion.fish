# fish completion for slipway. Load it with: slipway completion fish | source
complete -c slipway -f
complete -c slipway -s o -l output -x -a 'table json yaml' -d 'output format'
complete -c slipway -l server -x -d 'the Slipway API URL'
complete -c slipway -l token -x -d 'the bearer token'
complete -c slipway -l project -x -d 'the project of bare names'
complete -c slipway -n __fish_use_subcommand -a deployments -d 'create, get, list, update, delete'
complete -c slipway -n __fish_use_subcommand -a rollback -d 'roll back to revision N (a new revision with N\'s spec)'
complete -c slipway -n __fish_use_subcommand -a revisions -d 'list, get, diff'
complete -c slipway -n __fish_use_subcommand -a aliases -d 'set, list, history, delete'
complete -c slipway -n __fish_use_subcommand -a rollout -d 'pause, resume, abort, promote, status'
complete -c slipway -n __fish_use_subcommand -a operations -d 'get'
complete -c slipway -n __fish_use_subcommand -a wait -d 'wait for an operation, or a deployment\'s current rollout, to end (exit 0 succeeded, 1 failed/rejected/timed out)'
complete -c slipway -n __fish_use_subcommand -a promotions -d 'create, get, apply'
complete -c slipway -n __fish_use_subcommand -a events -d 'follow events as they happen (Server-Sent Events; Ctrl-C stops)'
complete -c slipway -n __fish_use_subcommand -a audit -d 'who did what, when, with which outcome (operations, newest first)'
complete -c slipway -n __fish_use_subcommand -a targets -d 'list, get, register, delete'
complete -c slipway -n __fish_use_subcommand -a webhooks -d 'create, list, get, delete, deliveries, redeliver'
complete -c slipway -n __fish_use_subcommand -a whoami -d 'show who the API takes you for, and your roles'
complete -c slipway -n __fish_use_subcommand -a tokens -d 'create, list, get, revoke, generate'
complete -c slipway -n __fish_use_subcommand -a config -d 'set-server, set-token, view'
complete -c slipway -n __fish_use_subcommand -a completion -d 'print a shell completion script'
complete -c slipway -n __fish_use_subcommand -a dev -d 'run all of Slipway locally (embedded NATS and FerretDB)'
complete -c slipway -n __fish_use_subcommand -a version -d 'print the version'
complete -c slipway -n __fish_use_subcommand -a help -d 'show the commands, or a command\'s flags'
complete -c slipway -n '__fish_seen_subcommand_from deployments; and not __fish_seen_subcommand_from create get list update delete' -a 'create get list update delete'
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l bake
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l canary-steps
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l env
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l environment
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l image
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l instance-type
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l label
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l max
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l max-surge
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l max-unavailable
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l min
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l progress-deadline
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l replicas
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l secret
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l strategy
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l target
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l target-cpu
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -l wait
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from create' -s f
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l all
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l cursor
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l environment
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l health
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l include-terminated
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l label
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l limit
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l owner
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l query
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l search
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l sort
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l status
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -l target
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from list' -s q
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l bake
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l canary-steps
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l env
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l if-match
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l image
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l instance-type
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l max
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l max-surge
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l max-unavailable
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l message
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l min
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l progress-deadline
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l replicas
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l secret
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l strategy
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l target-cpu
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -l wait
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from update' -s f
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from delete' -l free-name
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from delete' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from deployments; and __fish_seen_subcommand_from delete' -l wait
complete -c slipway -n '__fish_seen_subcommand_from rollback' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from rollback' -l message
complete -c slipway -n '__fish_seen_subcommand_from rollback' -l to
complete -c slipway -n '__fish_seen_subcommand_from rollback' -l wait
complete -c slipway -n '__fish_seen_subcommand_from revisions; and not __fish_seen_subcommand_from list get diff' -a 'list get diff'
complete -c slipway -n '__fish_seen_subcommand_from revisions; and __fish_seen_subcommand_from list' -l all
complete -c slipway -n '__fish_seen_subcommand_from revisions; and __fish_seen_subcommand_from list' -l cursor
complete -c slipway -n '__fish_seen_subcommand_from revisions; and __fish_seen_subcommand_from list' -l limit
complete -c slipway -n '__fish_seen_subcommand_from aliases; and not __fish_seen_subcommand_from set list history delete' -a 'set list history delete'
complete -c slipway -n '__fish_seen_subcommand_from aliases; and __fish_seen_subcommand_from set' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from aliases; and __fish_seen_subcommand_from set' -l message
complete -c slipway -n '__fish_seen_subcommand_from aliases; and __fish_seen_subcommand_from set' -l revision
complete -c slipway -n '__fish_seen_subcommand_from aliases; and __fish_seen_subcommand_from set' -l wait
complete -c slipway -n '__fish_seen_subcommand_from aliases; and __fish_seen_subcommand_from delete' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from aliases; and __fish_seen_subcommand_from delete' -l wait
complete -c slipway -n '__fish_seen_subcommand_from rollout; and not __fish_seen_subcommand_from pause resume abort promote status' -a 'pause resume abort promote status'
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from pause' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from pause' -l message
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from pause' -l wait
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from resume' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from resume' -l message
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from resume' -l wait
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from abort' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from abort' -l message
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from abort' -l wait
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from promote' -l full
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from promote' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from promote' -l message
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from promote' -l wait
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from status' -l watch
complete -c slipway -n '__fish_seen_subcommand_from rollout; and __fish_seen_subcommand_from status' -s w
complete -c slipway -n '__fish_seen_subcommand_from operations; and not __fish_seen_subcommand_from get' -a 'get'
complete -c slipway -n '__fish_seen_subcommand_from operations; and __fish_seen_subcommand_from get' -l wait
complete -c slipway -n '__fish_seen_subcommand_from wait' -l timeout
complete -c slipway -n '__fish_seen_subcommand_from promotions; and not __fish_seen_subcommand_from create get apply' -a 'create get apply'
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l dry-run
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l env
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l message
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l secret
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l source-revision
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l use-source-env
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l use-source-secret
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from create' -l wait
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from apply' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from promotions; and __fish_seen_subcommand_from apply' -l wait
complete -c slipway -n '__fish_seen_subcommand_from events' -l after
complete -c slipway -n '__fish_seen_subcommand_from events' -l deployment
complete -c slipway -n '__fish_seen_subcommand_from events' -l type
complete -c slipway -n '__fish_seen_subcommand_from audit' -l actor
complete -c slipway -n '__fish_seen_subcommand_from audit' -l all
complete -c slipway -n '__fish_seen_subcommand_from audit' -l cursor
complete -c slipway -n '__fish_seen_subcommand_from audit' -l deployment
complete -c slipway -n '__fish_seen_subcommand_from audit' -l from
complete -c slipway -n '__fish_seen_subcommand_from audit' -l kind
complete -c slipway -n '__fish_seen_subcommand_from audit' -l limit
complete -c slipway -n '__fish_seen_subcommand_from audit' -l status
complete -c slipway -n '__fish_seen_subcommand_from audit' -l to
complete -c slipway -n '__fish_seen_subcommand_from targets; and not __fish_seen_subcommand_from list get register delete' -a 'list get register delete'
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l base-url
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l in-cluster
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l instance-type
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l kubeconfig-file
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l kubeconfig-secret
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l namespace
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l prometheus-url
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l region
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l routing
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from register' -l wait
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from delete' -l idempotency-key
complete -c slipway -n '__fish_seen_subcommand_from targets; and __fish_seen_subcommand_from delete' -l wait
complete -c slipway -n '__fish_seen_subcommand_from webhooks; and not __fish_seen_subcommand_from create list get delete deliveries redeliver' -a 'create list get delete deliveries redeliver'
complete -c slipway -n '__fish_seen_subcommand_from webhooks; and __fish_seen_subcommand_from create' -l description
complete -c slipway -n '__fish_seen_subcommand_from webhooks; and __fish_seen_subcommand_from create' -l event
complete -c slipway -n '__fish_seen_subcommand_from webhooks; and __fish_seen_subcommand_from deliveries' -l all
complete -c slipway -n '__fish_seen_subcommand_from webhooks; and __fish_seen_subcommand_from deliveries' -l cursor
complete -c slipway -n '__fish_seen_subcommand_from webhooks; and __fish_seen_subcommand_from deliveries' -l limit
complete -c slipway -n '__fish_seen_subcommand_from webhooks; and __fish_seen_subcommand_from deliveries' -l state
complete -c slipway -n '__fish_seen_subcommand_from tokens; and not __fish_seen_subcommand_from create list get revoke generate' -a 'create list get revoke generate'
complete -c slipway -n '__fish_seen_subcommand_from tokens; and __fish_seen_subcommand_from create' -l expires-in
complete -c slipway -n '__fish_seen_subcommand_from tokens; and __fish_seen_subcommand_from create' -l global-admin
complete -c slipway -n '__fish_seen_subcommand_from tokens; and __fish_seen_subcommand_from create' -l grant
complete -c slipway -n '__fish_seen_subcommand_from config; and not __fish_seen_subcommand_from set-server set-token view' -a 'set-server set-token view'
complete -c slipway -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'
complete -c slipway -n '__fish_seen_subcommand_from dev' -l addr
complete -c slipway -n '__fish_seen_subcommand_from dev' -l data
complete -c slipway -n '__fish_seen_subcommand_from dev' -l cluster
complete -c slipway -n '__fish_seen_subcommand_from dev' -l kubeconfig
complete -c slipway -n '__fish_seen_subcommand_from dev' -l namespace
complete -c slipway -n '__fish_seen_subcommand_from dev' -l log-stderr
complete -c slipway -n '__fish_seen_subcommand_from dev' -l auth
complete -c slipway -n '__fish_seen_subcommand_from dev' -l rate-limit
complete -c slipway -n '__fish_seen_subcommand_from dev' -l rate-burst
complete -c slipway -n '__fish_seen_subcommand_from dev' -l read-rate-limit
complete -c slipway -n '__fish_seen_subcommand_from dev' -l read-rate-burst
