# One image for the API, the worker and the CLI (docker-compose.yml chooses the command).
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    GENIE_SKIP_TEMPORAL_CLI_INSTALL=1 \
    GENIE_DATA_DIR=/var/lib/worker-genies
WORKDIR /app

COPY package.json package-lock.json tsconfig.json ./
# The postinstall script (and what it imports) must be there before npm ci runs it.
COPY scripts ./scripts
COPY dev ./dev
COPY platform ./platform
RUN npm ci --omit=dev && npm cache clean --force

COPY domain ./domain
COPY security ./security
COPY fetch ./fetch
COPY temporal ./temporal
COPY db ./db
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY worker ./worker
COPY cli ./cli
COPY bin ./bin
COPY console ./console

RUN mkdir -p /var/lib/worker-genies && chown node:node /var/lib/worker-genies
USER node
EXPOSE 3000
# node itself is PID 1's child (compose sets init: true), so SIGTERM reaches it directly.
CMD ["node", "--import", "tsx", "bin/api.ts"]
