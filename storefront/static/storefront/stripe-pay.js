// Draws Stripe's Payment Element for the order's PaymentIntent and confirms it;
// Stripe then brings the buyer back to the page named in data-return.
(function () {
  "use strict";
  var form = document.getElementById("stripe-pay");
  if (!form || typeof Stripe === "undefined") {
    return;
  }
  var stripe = Stripe(form.dataset.key);
  var english = document.documentElement.lang.indexOf("en") === 0;
  var elements = stripe.elements({
    clientSecret: form.dataset.secret,
    locale: english ? "en" : "zh",
  });
  elements.create("payment").mount("#payment-element");
  form.hidden = false;
  var error = document.getElementById("stripe-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.return } })
      .then(function (result) {
        if (result.error) {
          error.textContent = result.error.message;
          button.disabled = false;
        }
      });
  });
})();
