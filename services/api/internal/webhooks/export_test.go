package webhooks

// DeliveryID is deliveryID, for tests that write a delivery themselves.
var DeliveryID = deliveryID
