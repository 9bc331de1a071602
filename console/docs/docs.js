// The API reference: Swagger UI over this server's own OpenAPI document (no network beyond it).
/* global SwaggerUIBundle, SwaggerUIStandalonePreset */
window.ui = SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
  persistAuthorization: false,
  tryItOutEnabled: false,
});
