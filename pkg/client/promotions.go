package client

import (
	"context"
	"net/http"
)

// PromotionAnswer is the answer to a promotion command: the promotion once
// its operation ended, else (202) the operation, still going.
type PromotionAnswer struct {
	Promotion *Promotion
	Operation *Operation
}

// CreatePromotion plans (req.DryRun) or plans and applies a promotion.
func (c *Client) CreatePromotion(ctx context.Context, req PromotionRequest, o CommandOptions) (PromotionAnswer, error) {
	return c.promotionCommand(ctx, call{route: routeCreatePromotion, options: o.withoutIfMatch(), body: req})
}

// ApplyPromotion applies a reviewed plan.
func (c *Client) ApplyPromotion(ctx context.Context, id string, o CommandOptions) (PromotionAnswer, error) {
	return c.promotionCommand(ctx, call{route: routeApplyPromotion, params: []string{id}, options: o.withoutIfMatch()})
}

func (c *Client) promotionCommand(ctx context.Context, k call) (PromotionAnswer, error) {
	var a PromotionAnswer
	resp, err := c.send(ctx, k, nil)
	if err != nil {
		return a, err
	}
	if resp.status == http.StatusAccepted {
		a.Operation = &Operation{}
		return a, a.Operation.UnmarshalJSON(resp.body)
	}
	a.Promotion = &Promotion{}
	return a, a.Promotion.UnmarshalJSON(resp.body)
}

// GetPromotion reads a promotion, its plan and applications.
func (c *Client) GetPromotion(ctx context.Context, id string) (Promotion, error) {
	var p Promotion
	_, err := c.send(ctx, call{route: routeGetPromotion, params: []string{id}}, &p)
	return p, err
}
