# One image for the API, the worker and the migrations (docker-compose.yml chooses the command).
# The build stage compiles the TypeScript to JavaScript and bundles the workflows (`npm run build`);
# the image keeps only that (dist/), the console's files and the production dependencies.
FROM node:20-bookworm-slim AS build

ENV GENIE_SKIP_TEMPORAL_CLI_INSTALL=1
WORKDIR /app

COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# The postinstall script (and what it imports) must be there before npm ci runs it.
COPY scripts ./scripts
COPY dev ./dev
COPY platform ./platform
RUN npm ci

COPY domain ./domain
COPY security ./security
COPY fetch ./fetch
COPY temporal ./temporal
COPY db ./db
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY worker ./worker
COPY client ./client
COPY cli ./cli
COPY bin ./bin
COPY console ./console
# dist/: every runtime file as CommonJS, and the workflow bundles (with and without tracing).
RUN npm run build && npm prune --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    GENIE_DATA_DIR=/var/lib/worker-genies
WORKDIR /app

COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY console ./console

RUN mkdir -p /var/lib/worker-genies && chown node:node /var/lib/worker-genies
USER node
EXPOSE 3000
# node itself is PID 1's child (compose sets init: true), so SIGTERM reaches it directly.
CMD ["node", "dist/bin/api.js"]
