#!/bin/sh
echo "$GREETING: $(cat /app/message.txt)"
cat /app/build-info.txt
