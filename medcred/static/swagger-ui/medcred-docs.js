// Starts Swagger UI on the app's OpenAPI document (medcred.docs_ui): a file, as the page's
// Content-Security-Policy runs no inline script. The document's address is the page's data-openapi-url.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    validatorUrl: null, // no badge fetched from validator.swagger.io
    showExtensions: true,
    showCommonExtensions: true,
    persistAuthorization: false,
    tryItOutEnabled: false
  });
});
