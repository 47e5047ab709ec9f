say() { echo "app says: $*"; }
