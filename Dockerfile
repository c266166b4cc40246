# The ChainGraph app (Streamlit). Used by docker-compose.yml with the neo4j service.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY loaders ./loaders
COPY queries ./queries
COPY app_pages ./app_pages
COPY security ./security
COPY .streamlit ./.streamlit
COPY cli.py app.py ./
COPY data ./data
RUN pip install --no-cache-dir .
# Users, the audit log and snapshots (a volume in docker-compose.yml): create the first admin with
# `docker compose run --rm app chaingraph user add NAME --role admin`.
ENV CHAINGRAPH_DATA_DIR=/var/lib/chaingraph
EXPOSE 8501
CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", "--server.headless", "true"]
