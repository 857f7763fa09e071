// graphene-django's graphiql.js reads window.GRAPHENE_SETTINGS; the page carries
// them as JSON data (not a script), so no inline script is needed.
window.GRAPHENE_SETTINGS = JSON.parse(
  document.getElementById("graphene-settings").textContent
);
