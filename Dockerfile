# A Liberation Mesh node as a container: for clusters (Kubernetes and the like) running
# simulation scenarios past one machine, or for servers.
#   docker build -t liberation-mesh .
#   docker run -p 4101:4101 -p 4102:4102 -p 4100:4100 -v liberation:/data \
#     -e LIBERATION_API_TOKEN=$(openssl rand -hex 24) liberation-mesh
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# patches/: fixes to dependencies, applied before the build bundles them
COPY patches ./patches
RUN npm ci --ignore-scripts && npx patch-package
COPY . .
RUN node scripts/build.mjs && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    LIBERATION_DATA_DIR=/data \
    LIBERATION_API_HOST=0.0.0.0
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME /data
# libp2p TCP, libp2p WebSockets (browsers), control API (needs LIBERATION_API_TOKEN off loopback)
EXPOSE 4101 4102 4100
USER node
ENTRYPOINT ["node", "--max-semi-space-size=16", "dist/cli/liberation.mjs"]
CMD ["start"]
