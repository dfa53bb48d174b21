"""Local services the kit starts and stops itself (DynamoDB, npm installs)."""
