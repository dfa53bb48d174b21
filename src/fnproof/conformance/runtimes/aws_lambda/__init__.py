"""AWS Lambda: the Node.js and Python runtimes, their drivers, and API Gateway events."""
