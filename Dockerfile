# One image for the whole monorepo; the command chooses the service:
#   docker build -t desk .                        # the gateway by default
#   docker run desk node --import tsx subgraphs/auth/src/main.ts
#   docker build --build-arg SERVICE=subgraphs/user -t desk-user .
FROM node:20-bookworm-slim

ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app

# Dependencies first, so that a change of source does not reinstall them. npm ci needs every
# workspace's package.json, and the sources are small, so the whole tree is copied (see .dockerignore).
COPY . .
RUN npm ci && npm cache clean --force

# The gateway's internal key pair is mounted here (docker-compose.yml's `keys` volume); a new named
# volume takes this directory's owner, so the unprivileged user can write and read it.
RUN mkdir -p /keys && chown node:node /keys

ARG SERVICE=gateway
ENV NODE_ENV=production HOST=0.0.0.0 SERVICE_MAIN=${SERVICE}/src/main.ts
USER node
EXPOSE 4000 4001 4002 4003 4004 4005 4006
CMD ["sh", "-c", "exec node --import tsx \"$SERVICE_MAIN\""]
