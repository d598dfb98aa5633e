import sys

from assistant.interfaces.cli import main

sys.exit(main())
