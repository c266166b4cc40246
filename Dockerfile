# The ChainGraph app (Streamlit). Used by docker-compose.yml with the neo4j service.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY loaders ./loaders
COPY queries ./queries
COPY app_pages ./app_pages
COPY security ./security
COPY reports ./reports
COPY bench ./bench
COPY cli.py cli_output.py app.py ./
COPY data ./data
COPY .streamlit ./.streamlit
# One upload limit (whole MB) for the app and for Streamlit's server, which refuses bigger files.
ENV CHAINGRAPH_MAX_UPLOAD_MB=50 STREAMLIT_SERVER_MAX_UPLOAD_SIZE=50
RUN pip install --no-cache-dir .
# Users, the audit log and snapshots (a volume in docker-compose.yml): create the first admin with
# `docker compose run --rm app chaingraph user add NAME --role admin`.
ENV CHAINGRAPH_DATA_DIR=/var/lib/chaingraph
EXPOSE 8501
CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0", "--server.headless", "true"]
