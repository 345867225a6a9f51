import "./globals.css";

export const metadata = { title: "Tasks · Better Auth × jwtgate × FastAPI" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
