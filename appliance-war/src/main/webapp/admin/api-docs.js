// The REST API's OpenAPI document (served by the appliance at /openapi) in Swagger UI. "Try it out"
// calls the API from this page: give an API key with "Authorize" (Bearer) first.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  // eslint-disable-next-line no-undef -- defined by swagger-ui-bundle.js, loaded before this script
  SwaggerUIBundle({
    url: '/openapi',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // The document names the server as the appliance sees itself (localhost); "Try it out" goes to the
    // appliance that served this page instead, the only place this page's CSP lets it call anyway.
    requestInterceptor: request => {
      const url = new URL(request.url, location.href);
      request.url = location.origin + url.pathname + url.search;
      return request;
    }
  });
});
