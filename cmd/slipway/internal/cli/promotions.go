package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"slipway.dev/pkg/client"
)

func promotionCommands() []command {
	return []command{
		{path: "promotions create", args: "SOURCE TARGET [flags]", summary: "promote SOURCE's artifact onto TARGET (both REFs); --dry-run only plans", setup: setupPromotionCreate},
		{path: "promotions get", args: "ID", summary: "show a promotion, its plan and status", setup: setupPromotionGet},
		{path: "promotions apply", args: "ID", summary: "apply a reviewed plan as it is", setup: setupPromotionApply},
	}
}

func setupPromotionCreate(fs *flag.FlagSet) runFunc {
	var (
		cf        commandFlags
		envs, use multiFlag
		secrets   multiFlag
		useSecret multiFlag
		sourceRev string
		dryRun    bool
		message   string
	)
	cf.register(fs)
	fs.StringVar(&sourceRev, "source-revision", "", "the source `revision` to promote (default: the one it runs)")
	fs.BoolVar(&dryRun, "dry-run", false, "only plan, for review; apply later with 'promotions apply'")
	fs.Var(&envs, "env", "a value for an env key new in the source, `NAME=VALUE`; repeat for several")
	fs.Var(&use, "use-source-env", "take this new env key's `NAME` value from the source; repeat for several")
	fs.Var(&secrets, "secret", "the target's secret for a secret reference new in the source, `ENV=secret/key`; repeat for several")
	fs.Var(&useSecret, "use-source-secret", "take this new secret reference (by `ENV` name) from the source; repeat for several")
	fs.StringVar(&message, "message", "", "why, recorded on the revision")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 2 {
			return usageErrorf("want a source and a target deployment")
		}
		var refs [2]client.Ref
		for i, a := range args {
			r, err := parseRef(a, e.g.project)
			if err != nil {
				return err
			}
			refs[i] = r
		}
		req := map[string]any{"source": refs[0].String(), "target": refs[1].String()}
		if sourceRev != "" {
			n, err := parseRevision(sourceRev)
			if err != nil {
				return err
			}
			req["sourceRevision"] = n
		}
		if dryRun {
			req["dryRun"] = true
		}
		if len(envs) > 0 {
			values := map[string]string{}
			for _, kv := range envs {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return usageErrorf("--env %q: want NAME=VALUE", kv)
				}
				values[k] = v
			}
			req["env"] = values
		}
		if len(use) > 0 {
			req["useSourceEnv"] = []string(use)
		}
		if err := secretDecisions(req, secrets, useSecret); err != nil {
			return err
		}
		if message != "" {
			req["message"] = message
		}
		var body client.PromotionRequest
		if err := decodeRequest(req, &body); err != nil {
			return usageErrorf("%v", err)
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		a, err := c.CreatePromotion(ctx, body, o)
		return e.promotionAnswer(a, err, "", !dryRun)
	}
}

// secretDecisions adds --secret and --use-source-secret to a promotion
// request.
func secretDecisions(req map[string]any, secrets, useSource []string) error {
	if len(secrets) > 0 {
		given := map[string]any{}
		for _, v := range secrets {
			ref, err := parseSecret(v)
			if err != nil {
				return err
			}
			if _, versioned := ref["version"]; versioned {
				return usageErrorf("--secret %q: a promotion names a secret and key, without @version", v)
			}
			given[ref["env"].(string)] = map[string]any{"name": ref["name"], "key": ref["key"]}
		}
		req["secrets"] = given
	}
	if len(useSource) > 0 {
		req["useSourceSecrets"] = useSource
	}
	return nil
}

func setupPromotionGet(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		c, err := e.clientFor(args, 1, "want one promotion id")
		if err != nil {
			return err
		}
		p, err := c.GetPromotion(ctx, args[0])
		if err != nil {
			return err
		}
		return e.printRaw(p.JSON(), func(w io.Writer) { promotionTable(w, e.now(), p) })
	}
}

func setupPromotionApply(fs *flag.FlagSet) runFunc {
	var cf commandFlags
	cf.register(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return usageErrorf("want one promotion id")
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		a, err := c.ApplyPromotion(ctx, args[0], o)
		return e.promotionAnswer(a, err, args[0], true)
	}
}

// promotionAnswer prints the promotion (or the operation still going). A
// promotion that failed or was rejected, or that was to be applied but
// needs input, is ExitFailed. id is the promotion's ("": the operation's,
// as for a new promotion).
func (e *env) promotionAnswer(a client.PromotionAnswer, err error, id string, apply bool) error {
	if err != nil {
		return err
	}
	if a.Operation != nil {
		if err := e.submitted(*a.Operation, nil); err != nil {
			return err
		}
		if id == "" {
			id = a.Operation.ID
		}
		fmt.Fprintf(e.Stderr, "then see it with: slipway promotions get %s\n", id)
		return nil
	}
	p := a.Promotion
	if err := e.printRaw(a.Promotion.JSON(), func(w io.Writer) { promotionTable(w, e.now(), *p) }); err != nil {
		return err
	}
	switch {
	case p.Status == "failed" || p.Status == "rejected":
		return failed("promotion %s %s: %s", p.ID, p.Status, orDash(p.Reason))
	case p.Status == "needs-input" && apply && len(p.Missing) > 0:
		return failed("promotion %s was not applied: give --env NAME=VALUE or --use-source-env NAME for %s",
			p.ID, strings.Join(p.Missing, ", "))
	case p.Status == "needs-input" && apply:
		return failed("promotion %s was not applied: give --secret ENV=secret/key or --use-source-secret ENV for %s",
			p.ID, strings.Join(p.MissingSecrets, ", "))
	}
	return nil
}

func promotionTable(w io.Writer, now time.Time, p client.Promotion) {
	table(w, []string{"ID", "SOURCE", "TARGET", "STATUS", "AGE"}, [][]string{{p.ID,
		fmt.Sprintf("%s@v%d", p.Source, p.SourceRevision), fmt.Sprintf("%s@v%d", p.Target, p.TargetRevision),
		p.Status, age(now, p.CreatedAt)}})
	if p.Reason != "" {
		fmt.Fprintf(w, "Reason: %s\n", p.Reason)
	}
	if len(p.Missing) > 0 {
		fmt.Fprintf(w, "Needs values for: %s\n", strings.Join(p.Missing, ", "))
	}
	if len(p.MissingSecrets) > 0 {
		fmt.Fprintf(w, "Needs secrets for: %s\n", strings.Join(p.MissingSecrets, ", "))
	}
	if p.DiffText != "" {
		fmt.Fprintf(w, "Plan:\n  %s\n", strings.ReplaceAll(p.DiffText, "\n", "\n  "))
	}
}
